/*
 * Errors that end a run, each carrying the exit status of SPEC §10.
 *
 * The core signals its stops (out of memory, out of swap, BUG) by throwing
 * one of these; only the CLI entry turns them into a message and an exit
 * status. Rejections on the hot path (pool full, compress poor, …) are
 * return values, never exceptions.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

export const EXIT = {
  ok: 0,
  corrupt: 1,
  usage: 2,
  input: 3,
  outOfResources: 4,
  bug: 5,
  internal: 70,
} as const;

/** The message of anything thrown (libraries throw strings too). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class SimError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad command-line usage or option value (status 2). */
export class UsageError extends SimError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** An output file (-o, --html, --csv) that cannot be written: a bad option value (status 2). */
export class OutputError extends SimError {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`cannot write ${file}: ${OutputError.why(file, cause)}`, EXIT.usage);
  }

  /** What went wrong, in the system's words (without the temporary file's name we wrote to). */
  private static why(file: string, cause: unknown): string {
    const e = cause as NodeJS.ErrnoException;
    // "ENOENT: no such file or directory, open '/x/y.tmp-42'" → "ENOENT: no such file or directory"
    const system = typeof e?.message === 'string' ? e.message.replace(/, \w+ '.*'$/, '') : String(cause);
    const dir = dirname(file);
    if (e?.code === 'ENOENT' && !existsSync(dir)) return `its directory ${dir} does not exist`;
    if (e?.code === 'ENOENT') return `the system cannot create a file in ${dir} (${system})`;
    if (e?.code === 'EACCES') return `permission denied (${system})`;
    if (e?.code === 'EISDIR') return 'it is a directory';
    return system;
  }
}

/** Malformed or unreadable input; the message is `FILE:LINE: problem` (status 3). */
export class InputError extends SimError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`, EXIT.input);
  }
}

/** The simulated machine ran out of RAM or of swap (status 4). */
export class OutOfResourcesError extends SimError {
  constructor(message: string) {
    super(message, EXIT.outOfResources);
  }
}

/** `--duplicate bug`: a duplicate store reached the backend (status 5). */
export class DuplicateStoreBug extends SimError {
  constructor(message: string) {
    super(message, EXIT.bug);
  }
}

/**
 * A compressor threw, a compression worker died or could not start (status
 * 70: the run cannot go on and its numbers would be wrong).
 */
export class CompressorError extends SimError {
  constructor(message: string) {
    super(message, EXIT.internal);
  }
}

/** A broken invariant of the simulator itself (status 70). */
export class InternalError extends SimError {
  constructor(message: string) {
    super(message, EXIT.internal);
  }
}
