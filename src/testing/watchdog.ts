import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The POSIX `sh` watchdog a watched program runs under. It starts the program in the background (its
 * arguments are the script's `$@`), reports the program's pid on fd 3, and then waits for the program.
 * A guard subshell blocks reading the watchdog's stdin, a pipe whose only writer is the Node process:
 * when Node ends it, exits or is SIGKILLed, the read sees end-of-file and the guard kills the program
 * (SIGTERM, then SIGKILL after 5 s unless it is gone by then). The watchdog exits with the program's status when the program ends.
 *
 * A non-interactive `sh` gives background jobs `/dev/null` as stdin, hence stdin is first copied to fd 4
 * and the guard reads fd 4. The program gets neither fd 3 nor fd 4, so the pipe reaches end-of-file as
 * soon as Node lets go of it.
 */
export const WATCHDOG_SCRIPT = `
trap 'kill -TERM "$program" 2>/dev/null' HUP INT TERM
exec 4<&0 0</dev/null
"$@" 3>&- 4<&- &
program=$!
echo "$program" >&3
exec 3>&-
(
  while read -r _ <&4; do :; done
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  kill -TERM "$program"
  sleep 5 &
  sleeper=$!
  wait "$sleeper"
  kill -KILL "$program"
) >/dev/null 2>&1 &
guard=$!
exec 4<&-
wait "$program"
status=$?
if kill -0 "$program" 2>/dev/null; then wait "$program"; status=$?; fi
kill "$guard" 2>/dev/null
exit "$status"
`;

/** How a watched program ended. */
export interface WatchedExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link spawnWatched}. */
export interface SpawnWatchedOptions {
  /** Working directory of the program. */
  cwd?: string;
  /** Called with every line the program writes to stdout or stderr. */
  onLine?: (line: string) => void;
  /** How many of the last output lines {@link WatchedProcess.recentOutput} keeps. Default 40. */
  keepLines?: number;
}

/**
 * A program started by {@link spawnWatched}.
 *
 * @example
 * ```ts
 * const program: WatchedProcess = await spawnWatched('sleep', ['60']);
 * await program.stop();
 * ```
 */
export interface WatchedProcess {
  /** The program's own pid (not the watchdog's). */
  readonly pid: number;
  /** Settles (never rejects) when the program (and so its watchdog) ended. */
  readonly exited: Promise<WatchedExit>;
  /** True once the program ended. */
  hasExited(): boolean;
  /** The last lines the program wrote, newest last. */
  recentOutput(): string;
  /**
   * Ends the program: closes the watchdog's stdin (the program gets SIGTERM), waits up to `graceMs`
   * (default 5 s) and then SIGKILLs program and watchdog. Idempotent; never rejects.
   */
  stop(graceMs?: number): Promise<void>;
  /** Lets the Node process exit while the program runs; it is then ended by the exit hook and watchdog. */
  unref(): void;
}

/** Pids of watched programs still running; the 'exit' hook ends them if their owner forgot to. */
const livePrograms = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of livePrograms) killQuietly(pid, 'SIGTERM');
  });
}

function killQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null | undefined)?.unref?.();
}

function refStream(stream: unknown): void {
  (stream as { ref?: () => void } | null | undefined)?.ref?.();
}

/** True when `promise` settles within `ms`; the timer is cleared as soon as it does. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `command args…` so that it can never outlive the Node process: under the `sh`
 * {@link WATCHDOG_SCRIPT}, which kills the program when Node's end of its stdin pipe closes — on
 * `stop()`, on a normal exit, on a crash and on SIGKILL alike. On Windows (no `sh`) the program is
 * spawned directly and only the exit hook protects it. Resolves once the program's pid is known.
 *
 * @example
 * ```ts
 * const java = await spawnWatched('java', ['-jar', 'DynamoDBLocal.jar', '-inMemory'], { onLine: console.log });
 * // … even if this process is killed now, java goes too …
 * await java.stop();
 * ```
 */
export async function spawnWatched(
  command: string,
  args: readonly string[],
  options: SpawnWatchedOptions = {},
): Promise<WatchedProcess> {
  const keepLines = options.keepLines ?? 40;
  const recent: string[] = [];
  const onLine = (line: string) => {
    recent.push(line);
    if (recent.length > keepLines) recent.shift();
    options.onLine?.(line);
  };

  const direct = process.platform === 'win32';
  const shell = existsSync('/bin/sh') ? '/bin/sh' : 'sh';
  const child: ChildProcess = direct
    ? spawn(command, [...args], { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true })
    : spawn(shell, ['-c', WATCHDOG_SCRIPT, 'dynago-watchdog', command, ...args], {
        cwd: options.cwd,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      });

  let ended: WatchedExit | undefined;
  const exited = new Promise<WatchedExit>((resolve) => {
    // 'close' rather than 'exit': it comes after the last output line has been read
    child.once('close', (code, signal) => {
      ended ??= { code, signal };
      resolve(ended);
    });
    child.once('error', (error) => {
      onLine(`Could not start ${direct ? command : shell}: ${error.message}`);
      ended ??= { code: null, signal: null };
      resolve(ended);
    });
  });
  child.stdin?.on('error', () => {}); // EPIPE once the watchdog is gone: nothing to do
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.setEncoding('utf8');
    let partial = '';
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    stream.on('end', () => {
      if (partial) onLine(partial);
      partial = '';
    });
  }

  const pid = direct ? child.pid : await readPid(child, exited);
  if (pid === undefined) {
    await exited;
    throw new Error(`Could not start ${command}: ${recent.join('\n') || 'no pid'}`);
  }
  livePrograms.add(pid);
  installExitHook();
  void exited.then(() => livePrograms.delete(pid));

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> => {
    stopping ??= (async () => {
      if (!ended) {
        // keep the event loop alive until the program is gone, even after unref()
        child.ref();
        for (const stream of child.stdio) refStream(stream);
        if (direct) killQuietly(pid, 'SIGTERM');
        else child.stdin?.end();
        if (!(await settlesWithin(exited, graceMs))) {
          killQuietly(pid, 'SIGKILL');
          killQuietly(child.pid, 'SIGKILL');
          await settlesWithin(exited, 2000);
        }
      }
      // the watchdog reaps the program before it exits, unless it was killed itself: then make sure
      if (ended?.signal) killQuietly(pid, 'SIGKILL');
      livePrograms.delete(pid);
      child.stdin?.destroy();
    })();
    return stopping;
  };

  return {
    pid,
    exited,
    hasExited: () => ended !== undefined,
    recentOutput: () => recent.join('\n'),
    stop,
    unref() {
      child.unref();
      for (const stream of child.stdio) unrefStream(stream);
    },
  };
}

/** Reads the program's pid, which the watchdog writes to fd 3, or undefined when the watchdog ended first. */
function readPid(child: ChildProcess, exited: Promise<WatchedExit>): Promise<number | undefined> {
  const channel = child.stdio[3];
  if (!channel) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let text = '';
    const done = (pid: number | undefined) => {
      channel.removeAllListeners('data');
      channel.destroy();
      resolve(pid);
    };
    channel.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline >= 0) {
        const pid = Number.parseInt(text.slice(0, newline), 10);
        done(Number.isInteger(pid) && pid > 0 ? pid : undefined);
      }
    });
    channel.on('error', () => done(undefined));
    void exited.then(() => {
      // the pid line may still be in flight: give it a moment
      setTimeout(() => done(undefined), 50);
    });
  });
}
