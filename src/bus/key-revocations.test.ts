import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from './bus.ts';
import { isBusUnavailable } from './bus-unavailable-error.ts';
import { REVOCATIONS_CHANNEL } from './channels.ts';
import { createKeyRevocations, type KeyRevokedEvent } from './key-revocations.ts';
import { MemoryBus } from './memory-bus.ts';
import { RedisBus } from './redis-bus.ts';
import { MessageInbox } from './testing/message-inbox.ts';
import {
  TEST_REDIS_URL,
  deleteKeysUnder,
  mustRunRedisTests,
  probeRedis,
  testKeyPrefix,
} from './testing/redis-test-support.ts';

// A key revoked in one process closes its sockets in every process: the announcement reaches each
// one's listener, the announcing process included.

const logger = pino({ level: 'silent' });
const redisProbe = await probeRedis();

function revocationInbox(): MessageInbox & { listener: (event: KeyRevokedEvent) => void } {
  const inbox = new MessageInbox();
  return Object.assign(inbox, { listener: (event: KeyRevokedEvent) => void inbox.handler({ ...event }) });
}

describe.skipIf(!mustRunRedisTests(redisProbe))('key revocations across two processes on Redis', () => {
  const keyPrefix = testKeyPrefix('key-revocations');
  let revoking: RedisBus;
  let serving: RedisBus;

  beforeAll(() => {
    if (!redisProbe.available) throw new Error(redisProbe.reason);
    revoking = new RedisBus({ url: TEST_REDIS_URL, logger, keyPrefix });
    serving = new RedisBus({ url: TEST_REDIS_URL, logger, keyPrefix });
  });

  afterAll(async () => {
    await Promise.all([revoking?.close(), serving?.close()]);
    await deleteKeysUnder(keyPrefix);
  });

  it('tells every process, the announcing one included', async () => {
    const here = revocationInbox();
    const there = revocationInbox();
    await createKeyRevocations({ bus: revoking, logger }).onRevoked(here.listener);
    await createKeyRevocations({ bus: serving, logger }).onRevoked(there.listener);

    await createKeyRevocations({ bus: revoking, logger }).announce({ keyId: 'key-1', tenantId: 'tenant-1' });

    await there.receive({ keyId: 'key-1', tenantId: 'tenant-1' });
    await here.receive({ keyId: 'key-1', tenantId: 'tenant-1' });
  });

  it('ignores a malformed announcement and keeps listening', async () => {
    const there = revocationInbox();
    await createKeyRevocations({ bus: serving, logger }).onRevoked(there.listener);
    await revoking.publish(REVOCATIONS_CHANNEL, { keyId: 42 });
    await revoking.publish(REVOCATIONS_CHANNEL, 'key-2');
    await createKeyRevocations({ bus: revoking, logger }).announce({ keyId: 'key-2', tenantId: 'tenant-1' });
    await there.receive({ keyId: 'key-2', tenantId: 'tenant-1' });
    expect(there.messages).toEqual([{ keyId: 'key-2', tenantId: 'tenant-1' }]);
  });

  it('stops telling a listener that unsubscribed', async () => {
    const leaving = revocationInbox();
    const staying = revocationInbox();
    const revocations = createKeyRevocations({ bus: serving, logger });
    const unsubscribe = await revocations.onRevoked(leaving.listener);
    await revocations.onRevoked(staying.listener);
    await unsubscribe();
    await createKeyRevocations({ bus: revoking, logger }).announce({ keyId: 'key-3', tenantId: 'tenant-1' });
    await staying.receive({ keyId: 'key-3', tenantId: 'tenant-1' });
    expect(leaving.messages).toEqual([]);
  });
});

describe('key revocations in one process', () => {
  let bus: Bus;

  beforeAll(() => {
    bus = new MemoryBus({ logger });
  });

  afterAll(async () => {
    await bus.close();
  });

  it('reach the listeners of the process, and a failing listener does not stop the others', async () => {
    const revocations = createKeyRevocations({ bus, logger });
    const inbox = revocationInbox();
    await revocations.onRevoked(() => {
      throw new Error('socket registry down');
    });
    await revocations.onRevoked(inbox.listener);
    await revocations.announce({ keyId: 'key-9', tenantId: 'tenant-9' });
    await inbox.receive({ keyId: 'key-9', tenantId: 'tenant-9' });
  });

  it('reject an announcement with BusUnavailableError once the bus is closed', async () => {
    const closed = new MemoryBus({ logger });
    await closed.close();
    await expect(
      createKeyRevocations({ bus: closed, logger }).announce({ keyId: 'key-1', tenantId: 'tenant-1' }),
    ).rejects.toSatisfy(isBusUnavailable);
  });
});
