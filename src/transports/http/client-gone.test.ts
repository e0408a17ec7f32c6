import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ClientGone } from './client-gone.ts';

/** A response that closes, finished or not. */
function fakeResponse() {
  const response = Object.assign(new EventEmitter(), { writableFinished: false });
  return {
    response: response as unknown as ServerResponse,
    close: (finished: boolean) => {
      response.writableFinished = finished;
      response.emit('close');
    },
  };
}

function recordingTurn() {
  const turn = { interrupts: 0, interrupt: () => void (turn.interrupts += 1) };
  return turn;
}

describe('a client gone', () => {
  it('interrupts the watched turn when the response closes before it finished', () => {
    const { response, close } = fakeResponse();
    const clientGone = new ClientGone(response);
    const turn = recordingTurn();
    clientGone.watch(turn);
    close(false);
    expect(clientGone.gone).toBe(true);
    expect(turn.interrupts).toBe(1);
  });

  it('leaves a turn alone when the response closes after it finished', () => {
    const { response, close } = fakeResponse();
    const clientGone = new ClientGone(response);
    const turn = recordingTurn();
    clientGone.watch(turn);
    close(true);
    expect(clientGone.gone).toBe(false);
    expect(turn.interrupts).toBe(0);
  });

  it('interrupts a turn at once when the client left while it was starting', () => {
    const { response, close } = fakeResponse();
    const clientGone = new ClientGone(response);
    close(false);
    const turn = recordingTurn();
    clientGone.watch(turn);
    expect(turn.interrupts).toBe(1);
  });

  it('gives startTurn an aborted signal only when the client already left', () => {
    const { response, close } = fakeResponse();
    const clientGone = new ClientGone(response);
    expect(clientGone.signalBeforeStart()).toBeUndefined();
    close(false);
    expect(clientGone.signalBeforeStart()?.aborted).toBe(true);
  });

  it('interrupts once, however many times the client is said to leave', () => {
    const { response, close } = fakeResponse();
    const clientGone = new ClientGone(response);
    const turn = recordingTurn();
    clientGone.watch(turn);
    clientGone.leave();
    close(false);
    expect(turn.interrupts).toBe(1);
  });
});
