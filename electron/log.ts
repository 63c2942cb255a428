/** A small append-only log file for the main process, in the folder Help → Open logs folder shows. */
import fs from 'node:fs';
import path from 'node:path';

export interface MainLog {
  readonly file: string;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Creates `dir/main.log`; a failing write goes to stderr instead of throwing. */
export function createMainLog(dir: string): MainLog {
  const file = path.join(dir, 'main.log');
  const write = (level: string, message: string): void => {
    const line = `${new Date().toISOString()} ${level} ${message}\n`;
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.appendFileSync(file, line);
    } catch {
      process.stderr.write(line);
    }
    if (level !== 'info') process.stderr.write(line);
  };
  return {
    file,
    info: (message) => write('info', message),
    warn: (message) => write('warn', message),
    error: (message) => write('error', message),
  };
}
