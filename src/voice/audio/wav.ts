// RIFF/WAVE reading and writing, for 16-bit PCM only: the one sample format every engine takes.

import { AudioError } from './audio-error.ts';
import { MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from './audio-format.ts';
import type { DecodedAudio, Pcm16Audio } from './audio-format.ts';

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
const WAV_HEADER_BYTES = 44;

interface FormatChunk {
  formatTag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

function fourCc(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

function malformed(message: string): AudioError {
  return new AudioError('MALFORMED_AUDIO', message);
}

function unsupported(message: string): AudioError {
  return new AudioError('UNSUPPORTED_AUDIO', message);
}

function readFormat(view: DataView, offset: number, size: number): FormatChunk {
  if (size < 16) throw malformed(`The WAV "fmt " chunk is ${size} bytes; at least 16 are needed.`);
  let formatTag = view.getUint16(offset, true);
  // WAVE_FORMAT_EXTENSIBLE keeps the real format in the first two bytes of its sub-format GUID.
  if (formatTag === FORMAT_EXTENSIBLE) {
    if (size < 40) throw malformed('The WAV extensible "fmt " chunk is too short.');
    formatTag = view.getUint16(offset + 24, true);
  }
  return {
    formatTag,
    channels: view.getUint16(offset + 2, true),
    sampleRate: view.getUint32(offset + 4, true),
    blockAlign: view.getUint16(offset + 12, true),
    bitsPerSample: view.getUint16(offset + 14, true),
  };
}

function checkFormat(format: FormatChunk): void {
  if (format.formatTag === FORMAT_FLOAT) {
    throw unsupported('Floating-point WAV is not supported; send 16-bit PCM.');
  }
  if (format.formatTag !== FORMAT_PCM) {
    throw unsupported(`WAV format ${format.formatTag} is not supported; send 16-bit PCM (format 1).`);
  }
  if (format.bitsPerSample !== 16) {
    throw unsupported(`${format.bitsPerSample}-bit WAV is not supported; send 16-bit PCM.`);
  }
  if (format.channels === 0) throw malformed('The WAV header declares zero channels.');
  if (format.channels > MAX_CHANNELS) {
    throw unsupported(`WAV with ${format.channels} channels is not supported; send mono or stereo.`);
  }
  if (format.sampleRate < MIN_SAMPLE_RATE || format.sampleRate > MAX_SAMPLE_RATE) {
    throw unsupported(
      `A sample rate of ${format.sampleRate} Hz is not supported; use ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz.`,
    );
  }
  if (format.blockAlign !== format.channels * 2) {
    throw malformed(
      `The WAV block alignment ${format.blockAlign} does not match 16-bit ${format.channels}-channel audio.`,
    );
  }
}

/** Parses a 16-bit PCM WAV file; anything else is refused with an AudioError. */
export function parseWav(bytes: Uint8Array): DecodedAudio {
  if (bytes.length < 12) throw malformed('The WAV file is too short to hold a RIFF header.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riff = fourCc(view, 0);
  if (riff === 'RIFX' || riff === 'RF64')
    throw unsupported(`${riff} WAV files are not supported; send RIFF WAV.`);
  if (riff !== 'RIFF' || fourCc(view, 8) !== 'WAVE') throw malformed('This is not a RIFF/WAVE file.');

  let format: FormatChunk | undefined;
  let data: { offset: number; size: number } | undefined;
  // The RIFF size field is ignored: streaming writers leave it 0 or 0xFFFFFFFF.
  let offset = 12;
  while (offset + 8 <= bytes.length && data === undefined) {
    const id = fourCc(view, offset);
    const declared = view.getUint32(offset + 4, true);
    const body = offset + 8;
    const available = bytes.length - body;
    if (id === 'data') {
      // A streaming header has no final size: take what arrived.
      const unknown = declared === 0 || declared === 0xffffffff;
      data = { offset: body, size: unknown ? available : Math.min(declared, available) };
    } else {
      if (declared > available) throw malformed(`The WAV "${id.trim()}" chunk is cut short.`);
      if (id === 'fmt ') format = readFormat(view, body, declared);
      offset = body + declared + (declared % 2); // chunks are padded to an even size
    }
  }
  if (format === undefined) throw malformed('The WAV file has no "fmt " chunk before its data.');
  checkFormat(format);
  if (data === undefined) throw malformed('The WAV file has no "data" chunk.');

  const frames = Math.floor(data.size / format.blockAlign);
  const samples = new Int16Array(frames * format.channels);
  for (let index = 0; index < samples.length; index++) {
    samples[index] = view.getInt16(data.offset + index * 2, true);
  }
  return {
    sampleRate: format.sampleRate,
    channels: format.channels,
    bitsPerSample: 16,
    samples,
    durationSeconds: frames / format.sampleRate,
  };
}

/** Writes a canonical 44-byte-header 16-bit PCM WAV file. */
export function writeWav(audio: Pcm16Audio): Uint8Array {
  const dataBytes = audio.samples.length * 2;
  const bytes = new Uint8Array(WAV_HEADER_BYTES + dataBytes);
  const view = new DataView(bytes.buffer);
  const writeFourCc = (offset: number, text: string): void => {
    for (let index = 0; index < 4; index++) view.setUint8(offset + index, text.charCodeAt(index));
  };
  writeFourCc(0, 'RIFF');
  view.setUint32(4, WAV_HEADER_BYTES - 8 + dataBytes, true);
  writeFourCc(8, 'WAVE');
  writeFourCc(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, audio.channels, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * audio.channels * 2, true);
  view.setUint16(32, audio.channels * 2, true);
  view.setUint16(34, 16, true);
  writeFourCc(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let index = 0; index < audio.samples.length; index++) {
    view.setInt16(WAV_HEADER_BYTES + index * 2, audio.samples[index] ?? 0, true);
  }
  return bytes;
}
