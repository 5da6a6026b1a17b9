/**
 * The exit statuses of the project's commands (plan, doctor), one meaning each, so CI can tell
 * "all ran and passed" from "a failure" from "passed, but some checks did not run".
 */
export const exitCodes = {
  /** Every check ran and passed; the comparison is safe. */
  ok: 0,
  /** A check failed, or the config is invalid. */
  failed: 1,
  /** Bad usage (an unknown option, a bad argument). */
  usage: 2,
  /** The command crashed. */
  crash: 3,
  /** `plan --compare`: a change that is not known to be safe. */
  needsReview: 4,
  /** Every check that ran passed, but some did not run (each is listed with its reason). */
  incomplete: 5,
} as const;
