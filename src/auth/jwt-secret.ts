import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// Without JWT_SECRET, embedded mode still needs the server and the `cai` CLI to sign with the
// same secret: it is made once and kept in DATA_DIR/jwt-secret, readable by its owner only.

const FILE_NAME = 'jwt-secret';
const MINIMUM_LENGTH = 32;

export async function resolveJwtSecret(config: {
  JWT_SECRET?: string | undefined;
  DATA_DIR: string;
}): Promise<string> {
  if (config.JWT_SECRET !== undefined) return config.JWT_SECRET;
  const path = join(config.DATA_DIR, FILE_NAME);
  const existing = await readSecret(path);
  if (existing !== undefined) return existing;

  await mkdir(config.DATA_DIR, { recursive: true });
  // Written whole under a private name, then linked into place: `link` fails if another process
  // got there first, so two processes starting together never read a half-written secret.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await writeFile(temporary, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  const created = await readSecret(path);
  if (created === undefined) throw new Error(`Could not read the JWT secret back from ${path}`);
  return created;
}

async function readSecret(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = text.trim();
  if (secret.length < MINIMUM_LENGTH) {
    throw new Error(
      `${path} holds no usable JWT secret (fewer than ${MINIMUM_LENGTH} characters); delete it or set JWT_SECRET`,
    );
  }
  return secret;
}
