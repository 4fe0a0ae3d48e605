/**
 * A private sshd on the loopback interface, for driving kb's remote sessions through real
 * ssh: its own host key, a temporary authorized_keys with a fresh client key, a random
 * port, in the foreground (`sshd -D`), killed at the end. It never touches the system
 * sshd or ~/.ssh: the client side is one ssh_config file (`KB_SSH_CONFIG`, passed to ssh
 * with -F) and a private ControlPath directory (`KB_SSH_CONTROL_DIR`).
 *
 * Host aliases in that config:
 *   kb-host-1 .. kb-host-N  127.0.0.1 .. 127.0.0.N (Linux routes all of 127/8 to lo), so each
 *                           is its own ssh connection (ControlPath %C differs)
 *   kb-refuse               a port nothing listens on: connection refused
 *   kb-denied               a user sshd does not allow: Permission denied (publickey)
 * and `root@127.0.0.1:PORT` (kb's own user@host:port form) works as well.
 *
 *   const sshd = await startSshd();
 *   await runCli(['spawn', '--host', sshd.host, ...], { env: { ...sshd.env } });
 *   await sshd.kill();   // the host goes down: the listener and every connection
 *   await sshd.stop();   // everything, and the temporary directory
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { descendantsOf } from './procfs.js';

const run = promisify(execFile);
const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((p) => existsSync(p)) ?? 'sshd';

export interface PrivateSshd {
  port: number;
  dir: string;
  /** The ssh_config to pass as KB_SSH_CONFIG. */
  config: string;
  /** The private ControlPath directory (KB_SSH_CONTROL_DIR). */
  controlDir: string;
  /** kb-host-1. */
  host: string;
  /** kb-host-1 .. kb-host-N. */
  hosts: string[];
  /** `root@127.0.0.1:PORT` (the local user, really). */
  direct: string;
  refusing: string;
  denied: string;
  /** KB_SSH_CONFIG and KB_SSH_CONTROL_DIR: what a kb process needs to use these hosts. */
  env: Record<string, string>;
  /** The listening sshd's pid (null once killed). */
  readonly pid: number | null;
  /** Runs ssh with this config (tests: a command on the "remote" side). */
  ssh(host: string, command: string): Promise<{ stdout: string; stderr: string; code: number }>;
  /** The host goes down: the listener and every connection it forked (the masters die with them). */
  kill(): Promise<void>;
  /** The host hangs: the listener and every connection stopped (SIGSTOP); nothing answers, nothing closes. */
  pause(): void;
  /** SIGCONT to what pause() stopped. */
  resume(): void;
  /** Starts sshd again on the same port and key (the host comes back). */
  restart(): Promise<void>;
  /** Process ids of the per-connection sshd processes (and their children). */
  sessionPids(): number[];
  /** Ends the connection masters, kills sshd, removes the directory. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True once something accepts on the port and speaks SSH. */
function banner(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('data', (d) => {
      data += d.toString();
      if (data.includes('SSH-2.0')) done(true);
    });
    socket.on('error', () => done(false));
  });
}

/**
 * addresses: how many loopback addresses (hosts) it listens on (default 2).
 * leanLogin: commands skip the login user's ~/.bashrc (the benchmark: what the rc files of
 * this machine's root cost, about 170 ms per ssh command, is not what it measures).
 */
export async function startSshd(options: { addresses?: number; leanLogin?: boolean } = {}): Promise<PrivateSshd> {
  const count = Math.max(1, options.addresses ?? 2);
  const user = os.userInfo().username;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-sshd-'));
  await chmod(dir, 0o700);
  // The control directory must keep ControlPath short (a unix socket path has ~104 bytes).
  const controlDir = path.join(dir, 'cm');
  await mkdir(controlDir, { mode: 0o700 });
  const keygen = (file: string) => run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kb-test', '-f', file]);
  await Promise.all([keygen(path.join(dir, 'host_ed25519')), keygen(path.join(dir, 'id_ed25519'))]);
  await writeFile(path.join(dir, 'authorized_keys'), await readFile(path.join(dir, 'id_ed25519.pub')), { mode: 0o600 });
  const hostKey = (await readFile(path.join(dir, 'host_ed25519.pub'), 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  await writeFile(path.join(dir, 'known_hosts'), `kb-test-sshd ${hostKey}\n`, { mode: 0o600 });
  // The privilege separation directory sshd insists on (absent in containers that never ran it).
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);

  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
  let port = 0;
  let child: ChildProcess | null = null;
  let log = '';

  const writeConfig = async () => {
    await writeFile(
      path.join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        ...addresses.map((a) => `ListenAddress ${a}`),
        `HostKey ${path.join(dir, 'host_ed25519')}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        'PidFile none',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        'PermitRootLogin prohibit-password',
        'StrictModes no',
        'UsePAM no',
        `AllowUsers ${user}`,
        // One multiplexed connection carries a control client per tmux server plus the
        // commands that run meanwhile: more than the default 10 sessions.
        'MaxSessions 200',
        'MaxStartups 100:30:200',
        'PrintMotd no',
        'PrintLastLog no',
        'X11Forwarding no',
        'AllowTcpForwarding no',
        'AllowAgentForwarding no',
        'PermitUserEnvironment no',
        'LogLevel ERROR',
        // A lean login: bash reads ~/.bashrc for an ssh command only at shell level 1.
        ...(options.leanLogin ? ['SetEnv SHLVL=1'] : []),
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  };

  const launch = async () => {
    for (let attempt = 0; ; attempt++) {
      if (port === 0 || attempt > 0) port = await freePort();
      await writeConfig();
      log = '';
      const c = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
      c.stderr!.on('data', (d) => {
        if (log.length < 20_000) log += d.toString();
      });
      let exited = false;
      c.on('exit', () => (exited = true));
      const deadline = Date.now() + 10_000;
      let up = false;
      while (!exited && Date.now() < deadline) {
        const all = await Promise.all(addresses.map((a) => banner(a, port)));
        if (all.every(Boolean)) {
          up = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      if (up) {
        child = c;
        return;
      }
      c.kill('SIGKILL');
      if (attempt >= 3) throw new Error(`private sshd did not start (${SSHD}): ${log.trim() || 'no output'}`);
    }
  };

  const keepPort = async () => {
    // restart: the same port, so the config the clients use stays right.
    await writeConfig();
    const c = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr!.on('data', (d) => {
      if (log.length < 20_000) log += d.toString();
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if ((await Promise.all(addresses.map((a) => banner(a, port)))).every(Boolean)) {
        child = c;
        return;
      }
      if (c.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    c.kill('SIGKILL');
    throw new Error(`private sshd did not restart on port ${port}: ${log.trim()}`);
  };

  await launch();
  const refusePort = await freePort();
  const hosts = addresses.map((_, i) => `kb-host-${i + 1}`);
  const config = path.join(dir, 'ssh_config');
  await writeFile(
    config,
    [
      ...hosts.flatMap((h, i) => [`Host ${h}`, `  HostName ${addresses[i]}`]),
      'Host kb-refuse',
      '  HostName 127.0.0.1',
      `  Port ${refusePort}`,
      'Host kb-denied',
      '  HostName 127.0.0.1',
      '  User nobody',
      'Host *',
      `  Port ${port}`,
      `  User ${user}`,
      `  IdentityFile ${path.join(dir, 'id_ed25519')}`,
      '  IdentitiesOnly yes',
      '  HostKeyAlias kb-test-sshd',
      `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  UpdateHostKeys no',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const env = { KB_SSH_CONFIG: config, KB_SSH_CONTROL_DIR: controlDir };

  let paused: number[] = [];
  const killAll = async () => {
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    paused = [];
    const c = child;
    child = null;
    if (!c || c.pid === undefined) return;
    const pids = [c.pid, ...descendantsOf(c.pid)];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
  };

  const endMasters = async () => {
    let sockets: string[] = [];
    try {
      sockets = readdirSync(controlDir);
    } catch {
      return;
    }
    await Promise.all(
      sockets.map((s) =>
        run('ssh', ['-F', config, '-o', `ControlPath=${path.join(controlDir, s)}`, '-O', 'exit', 'kb-host-1'], { timeout: 5000 }).catch(() => undefined),
      ),
    );
  };

  return {
    get port() {
      return port;
    },
    dir,
    config,
    controlDir,
    host: hosts[0]!,
    hosts,
    get direct() {
      return `${user}@127.0.0.1:${port}`;
    },
    refusing: 'kb-refuse',
    denied: 'kb-denied',
    env,
    get pid() {
      return child?.pid ?? null;
    },
    async ssh(host, command) {
      try {
        const r = await run('ssh', ['-F', config, '-o', 'BatchMode=yes', '-o', 'ControlMaster=no', '-o', 'ControlPath=none', host, command], { timeout: 20_000 });
        return { stdout: r.stdout, stderr: r.stderr, code: 0 };
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string; code?: number };
        return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
      }
    },
    kill: killAll,
    pause() {
      if (!child?.pid) return;
      paused = [child.pid, ...descendantsOf(child.pid)];
      for (const pid of paused) {
        try {
          process.kill(pid, 'SIGSTOP');
        } catch {
          // gone
        }
      }
    },
    resume() {
      for (const pid of paused) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // gone
        }
      }
      paused = [];
    },
    async restart() {
      if (child) return;
      await keepPort();
    },
    sessionPids() {
      return child?.pid === undefined ? [] : descendantsOf(child.pid);
    },
    async stop() {
      await endMasters();
      await killAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
