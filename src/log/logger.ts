export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where log lines go; stderr in the server, an array in tests. */
export type LogSink = (line: string) => void;

export const toStderr: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

interface LineFormat {
  /** An ordinary log line. */
  entry(level: LogLevel, message: string): string;
  /** A line printed whatever the log level, for scripts to read (the startup line, a failure to start). */
  announcement(level: LogLevel, message: string): string;
}

const jsonLine = (level: LogLevel, message: string): string => JSON.stringify({ time: new Date().toISOString(), level, msg: message });

const FORMATS: Record<LogFormat, LineFormat> = {
  text: {
    entry: (level, message) => `${new Date().toISOString()} ${level.padEnd(5)} ${message}`,
    // Scripts have always read these bare, without timestamp or level.
    announcement: (_, message) => message,
  },
  json: { entry: jsonLine, announcement: jsonLine },
};

/** Leveled, one line per message, timestamped, to stderr by default; plain text or one JSON object a line. */
export class Logger {
  private readonly threshold: number;
  private readonly format: LineFormat;

  constructor(
    level: LogLevel,
    private readonly sink: LogSink = toStderr,
    format: LogFormat = "text",
  ) {
    this.threshold = LOG_LEVELS.indexOf(level);
    this.format = FORMATS[format];
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
    if (this.enabled(level)) this.sink(this.format.entry(level, message));
  }

  /** Printed whatever the log level: in text format the bare message, in JSON an ordinary entry. */
  announce(level: LogLevel, message: string): void {
    this.sink(this.format.announcement(level, message));
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
    if (this.admit()) this.print(message());
  }

  /**
   * Whether a message logged now would be printed; a refusal counts as
   * suppressed. Hot paths call this before building anything, even a closure,
   * and then {@link print} the message.
   */
  admit(): boolean {
    if (!this.logger.enabled(this.level)) return false;
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
      return true;
    }
    this.suppressed++;
    return false;
  }

  /** Prints a message {@link admit} let through. */
  print(message: string): void {
    this.logger.log(this.level, message);
  }
}
