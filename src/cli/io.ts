/*
 * The terminal, injected: commands write through this so tests can run the
 * CLI in-process and read what it printed.
 */

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Is stderr a terminal (progress bars)? */
  errIsTTY: boolean;
  /** Is stdout a terminal (colours in tables)? */
  outIsTTY: boolean;
  /** Where a progress bar draws: stderr. */
  errStream: NodeJS.WritableStream | null;
  env: Record<string, string | undefined>;
}

export function processIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    errIsTTY: process.stderr.isTTY === true,
    outIsTTY: process.stdout.isTTY === true,
    errStream: process.stderr,
    env: process.env,
  };
}

/** An io that collects output, for tests. */
export function bufferIo(errIsTTY = false): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    errIsTTY,
    outIsTTY: false,
    errStream: null,
    env: {} as Record<string, string | undefined>,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}
