/** Where a CLI command writes. Commands never touch process.stdout directly, so tests can capture output. */
export interface Ui {
  output(text: string): void;
  error(text: string): void;
}

/** A UI bound to the process streams. */
export function processUi(): Ui {
  return {
    output: (text) => {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    error: (text) => {
      process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}

/** A UI that records everything, for tests. */
export interface CaptureUi extends Ui {
  readonly out: string[];
  readonly err: string[];
  stdout(): string;
  stderr(): string;
}

export function captureUi(): CaptureUi {
  const out: string[] = [];
  const err: string[] = [];
  const norm = (t: string): string => (t.endsWith('\n') ? t : `${t}\n`);
  return {
    out,
    err,
    output: (t) => out.push(norm(t)),
    error: (t) => err.push(norm(t)),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
