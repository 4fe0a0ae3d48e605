/**
 * Tool inputs the mock Messages API sends to the real Claude Code, shared by the recorder
 * and the end-to-end tests so both drive the same screens.
 */

export interface AskQuestion {
  question: string;
  header: string;
  multiSelect: boolean;
  options: { label: string; description: string }[];
}

/** An AskUserQuestion call: one single-select question (3 options) or one multi-select. */
export const askUserQuestionInput = (multiSelect: boolean): { questions: AskQuestion[] } => ({
  questions: [
    multiSelect
      ? {
          question: 'Which features do you want to enable?',
          header: 'Features',
          multiSelect: true,
          options: [
            { label: 'Logging', description: 'Structured logs to stderr' },
            { label: 'Metrics', description: 'Prometheus counters on /metrics' },
            { label: 'Tracing', description: 'OpenTelemetry spans for each request' },
          ],
        }
      : {
          question: 'Which test framework should I use for the new tests?',
          header: 'Framework',
          multiSelect: false,
          options: [
            { label: 'pytest', description: 'Fixtures and plain asserts; the most common choice' },
            { label: 'unittest', description: 'Standard library only, no new dependency' },
            { label: 'doctest', description: 'Examples inside the docstrings' },
          ],
        },
  ],
});
