/** Where a command writes: stdout for results, stderr for progress, notices and errors. */
export interface Output {
  write(text: string): void;
  /** A terminal: humans read it (tables, a progress bar); otherwise programs do (JSON, plain lines). */
  readonly isTTY: boolean;
  /** The terminal's width; 80 when it is not a terminal. */
  readonly columns: number;
}

export interface Io {
  out: Output;
  err: Output;
}

function output(stream: NodeJS.WriteStream): Output {
  return {
    write: (text) => {
      stream.write(text);
    },
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.isTTY && stream.columns > 0 ? stream.columns : 80;
    },
  };
}

/** The process's stdout and stderr. */
export function processIo(): Io {
  return { out: output(process.stdout), err: output(process.stderr) };
}
