/**
 * The scheduler's error registry: stable FLT_ERR_SCHED_* codes for what the scheduler can refuse
 * (a bad config file, a bad option). Scheduling failures are not errors: they are Status values.
 */

/** SCHEDULER_ERROR_CODES documents every code the scheduler raises. */
export const SCHEDULER_ERROR_CODES = {
  FLT_ERR_SCHED_CONFIG: 'the scheduler config file is unreadable or has a bad field (the message names file, line and field)',
  FLT_ERR_SCHED_OPTION: 'a runScheduler option or command-line flag is invalid',
} as const;

/** SchedulerErrorCode is one key of SCHEDULER_ERROR_CODES. */
export type SchedulerErrorCode = keyof typeof SCHEDULER_ERROR_CODES;

/** SchedulerError is a user mistake the scheduler reports in one line, with a stable code. */
export class SchedulerError extends Error {
  readonly code: SchedulerErrorCode;
  constructor(code: SchedulerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SchedulerError';
    this.code = code;
  }
}
