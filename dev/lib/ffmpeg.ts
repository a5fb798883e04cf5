// Running ffmpeg and ffprobe from the dev/ scripts: finding them, probing media, and encoding with progress.
// Both come from the Debian package (`apt-get install -y ffmpeg`); FFMPEG_PATH / FFPROBE_PATH point elsewhere.
import { spawn } from 'node:child_process';
import { CommandFailed } from './cli';
import { runToCompletion } from './run';

export const FFMPEG_BIN = process.env.FFMPEG_PATH ?? 'ffmpeg';
export const FFPROBE_BIN = process.env.FFPROBE_PATH ?? 'ffprobe';
export const FFMPEG_INSTALL_HINT = 'install it with: apt-get update && apt-get install -y ffmpeg';

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

/** Fails with the apt command to run when ffmpeg or ffprobe is not installed. */
export async function requireFfmpeg(): Promise<void> {
  for (const bin of [FFMPEG_BIN, FFPROBE_BIN]) {
    try {
      const run = await runToCompletion(bin, ['-version'], { cwd: process.cwd() });
      if (run.exitCode !== 0) throw new CommandFailed(`${bin} -version failed: ${lastLines(run.stderr, 3)}`);
    } catch (error) {
      if (isNotFound(error)) throw new CommandFailed(`${bin} not found; ${FFMPEG_INSTALL_HINT}`);
      throw error;
    }
  }
}

export interface ProbedStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
}

export interface ProbedMedia {
  streams: ProbedStream[];
  format: { duration?: string; format_name?: string };
}

/** `ffprobe -show_streams -show_format` of a file (or a playlist); CommandFailed when it cannot be read. */
export async function probe(path: string): Promise<ProbedMedia> {
  const run = await runToCompletion(FFPROBE_BIN, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path], {
    cwd: process.cwd(),
  });
  if (run.exitCode !== 0)
    throw new CommandFailed(`cannot read media ${path}: ${lastLines(run.stderr, 5) || `ffprobe exited with ${run.exitCode}`}`);
  const parsed = JSON.parse(run.stdout) as Partial<ProbedMedia>;
  return { streams: parsed.streams ?? [], format: parsed.format ?? {} };
}

/** `30000/1001` → 29.97; undefined for ffprobe's `0/0`. */
export function frameRate(stream: ProbedStream): number | undefined {
  for (const text of [stream.avg_frame_rate, stream.r_frame_rate]) {
    const [numerator, denominator] = (text ?? '').split('/').map(Number);
    if (numerator && denominator) return numerator / denominator;
  }
  return undefined;
}

/**
 * Runs ffmpeg with `-progress pipe:1`, reporting the fraction of `durationSeconds` encoded so far. On failure
 * the error carries ffmpeg's last stderr lines, which is where it says what went wrong.
 */
export function runFfmpeg(args: string[], options: { durationSeconds: number; onProgress?: (fraction: number) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG_BIN, ['-hide_banner', '-nostdin', '-nostats', '-progress', 'pipe:1', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let pending = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      // Only the tail matters for the error message; keep memory flat on long encodes.
      stderr = (stderr + chunk).slice(-16_384);
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) {
        // out_time_us is microseconds despite ffmpeg also printing a misnamed out_time_ms with the same value.
        const match = /^out_time_us=(\d+)/.exec(line);
        if (match && options.durationSeconds > 0) options.onProgress?.(Math.min(1, Number(match[1]) / 1e6 / options.durationSeconds));
        if (line.trim() === 'progress=end') options.onProgress?.(1);
      }
    });
    child.on('error', (error) => reject(isNotFound(error) ? new CommandFailed(`${FFMPEG_BIN} not found; ${FFMPEG_INSTALL_HINT}`) : error));
    child.on('close', (exitCode, signal) => {
      if (exitCode === 0) resolve();
      else
        reject(
          new CommandFailed(`ffmpeg failed (${signal ?? `exit code ${exitCode}`}):\n${lastLines(stderr, 10) || '(no output on stderr)'}`),
        );
    });
  });
}
