// The error every preflight check stops a run with: its message says what to do, and nothing
// has changed yet.


/** Thrown when a preflight check refuses the run; the message says what to do. */
export class PreflightError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PreflightError";
    }
}
