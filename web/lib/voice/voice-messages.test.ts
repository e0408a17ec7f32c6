import { describe, expect, it } from 'vitest';
import { parseVoiceServerMessage } from './voice-messages.ts';

describe("the voice socket's messages", () => {
  it('are read as docs/voice.md shows them', () => {
    expect(
      parseVoiceServerMessage(
        '{"type":"connection_established","connection_id":"c1","message":"Connected to Conversational AI"}',
      ),
    ).toEqual({
      type: 'connection_established',
      connection_id: 'c1',
    });
    expect(
      parseVoiceServerMessage(
        '{"type":"transcript","text":"what is the weather today","is_final":true,"turn_detected":true}',
      ),
    ).toEqual({ type: 'transcript', text: 'what is the weather today', is_final: true, turn_detected: true });
    expect(
      parseVoiceServerMessage('{"type":"ai_response","text":"It is sunny.","audio_data":"UklGRg=="}'),
    ).toEqual({
      type: 'ai_response',
      text: 'It is sunny.',
      audio_data: 'UklGRg==',
    });
    expect(
      parseVoiceServerMessage(
        '{"type":"error","code":"RATE_LIMITED","message":"Slow down","retry_after_ms":500}',
      ),
    ).toEqual({
      type: 'error',
      code: 'RATE_LIMITED',
      message: 'Slow down',
      retry_after_ms: 500,
    });
  });

  it('ignores broken JSON, unknown types and wrong fields rather than acting on them', () => {
    for (const frame of [
      'not json',
      '[]',
      '{"type":"dance"}',
      '{"type":"transcript","text":42,"is_final":true}',
      '{"type":"ai_response"}',
      '{"type":"error"}',
    ]) {
      expect(parseVoiceServerMessage(frame)).toBeUndefined();
    }
  });
});
