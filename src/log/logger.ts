export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where log lines go; stderr in the server, an array in tests. */
export type LogSink = (line: string) => void;

const toStderr: LogSink = (line) => {
  process.stderr.write(line + "\n");
};

/** Leveled, one line per message, timestamped, to stderr by default. */
export class Logger {
  private readonly threshold: number;

  constructor(
    level: LogLevel,
    private readonly sink: LogSink = toStderr,
  ) {
    this.threshold = LOG_LEVELS.indexOf(level);
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= this.threshold;
  }

  error(message: string): void {
    this.log("error", message);
  }

  warn(message: string): void {
    this.log("warn", message);
  }

  info(message: string): void {
    this.log("info", message);
  }

  debug(message: string): void {
    this.log("debug", message);
  }

  log(level: LogLevel, message: string): void {
    if (this.enabled(level)) this.sink(`${new Date().toISOString()} ${level.padEnd(5)} ${message}`);
  }
}

/**
 * Lets at most `burst` messages through per window and then counts the rest,
 * reporting the count when the next window opens: a flood of bad input must
 * not turn into a flood of log lines.
 */
export class RateLimitedLog {
  private windowStart = -Infinity;
  private passed = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly level: LogLevel,
    private readonly what: string,
    private readonly burst = 10,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `message` is built only when the line will be printed. */
  log(message: () => string): void {
    if (!this.logger.enabled(this.level)) return;
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) {
        this.logger.log(this.level, `${this.suppressed} more ${this.what} not logged in the last ${this.windowMs / 1000}s`);
      }
      this.windowStart = now;
      this.passed = 0;
      this.suppressed = 0;
    }
    if (this.passed < this.burst) {
      this.passed++;
      this.logger.log(this.level, message());
    } else {
      this.suppressed++;
    }
  }
}
