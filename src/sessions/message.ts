/** send: a message or keys to a registered session, one writer at a time per pane. */
import type { SessionContext } from './context.js';
import { withPaneLock } from './lock.js';
import { deliveryEvidence } from './evidence.js';
import { deliverText, sendKeys, type Delivery } from './send.js';
import { paneIO, requireEntryAgent, requireLivePane } from './target.js';

export async function sendMessage(ctx: SessionContext, name: string, text: string, options: { force?: boolean } = {}): Promise<Delivery> {
  const live = await requireLivePane(ctx, name);
  const agent = requireEntryAgent(ctx, live.entry);
  const evidence = deliveryEvidence(live.entry, text);
  return withPaneLock(ctx, live.server, live.pane.paneId, { what: 'send the message', name }, () =>
    deliverText(paneIO(ctx, live, agent), agent, ctx.clock, text, { name, ...(options.force ? { force: true } : {}), ...(evidence ? { evidence } : {}) }),
  );
}

export async function sendKeysTo(ctx: SessionContext, name: string, keys: readonly string[], options: { timeoutMs?: number } = {}): Promise<void> {
  const live = await requireLivePane(ctx, name);
  const agent = requireEntryAgent(ctx, live.entry);
  await withPaneLock(ctx, live.server, live.pane.paneId, { what: 'send the keys', name }, () =>
    sendKeys(paneIO(ctx, live, agent), ctx.clock, keys, { name, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) }),
  );
}
