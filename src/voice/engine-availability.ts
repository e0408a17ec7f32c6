// Whether a voice engine can run here, and if not, what the operator should do about it.

export interface EngineAvailability {
  available: boolean;
  engine: string;
  /** Why it is unavailable. */
  reason?: string;
  /** The command that installs what is missing, e.g. `apt-get install espeak-ng`. */
  install?: string;
}

export interface ChecksAvailability {
  availability(): Promise<EngineAvailability>;
}
