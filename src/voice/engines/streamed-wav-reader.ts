// Reads a 16-bit PCM WAV that arrives in pieces. Engines that stream WAV to a pipe cannot seek back
// to fill in the RIFF and data sizes (espeak-ng writes 0x7FFFF024 and the like), so those sizes are
// ignored: everything after the `data` chunk header is samples, until the stream ends.

export interface WavFormat {
  sampleRate: number;
  channels: number;
}

export class StreamedWavReader {
  #header: Uint8Array = new Uint8Array(0);
  #format: WavFormat | undefined;
  #inData = false;
  /** An odd byte left over from the previous piece. */
  #carry: number | undefined;

  get format(): WavFormat | undefined {
    return this.#format;
  }

  /** Returns the samples completed by this piece (possibly none). */
  push(bytes: Uint8Array): Int16Array {
    if (this.#inData) return this.#samples(bytes);
    this.#header = concat(this.#header, bytes);
    const dataStart = this.#findData();
    if (dataStart === undefined) return new Int16Array(0);
    this.#inData = true;
    const rest = this.#header.subarray(dataStart);
    this.#header = new Uint8Array(0);
    return this.#samples(rest);
  }

  #findData(): number | undefined {
    const header = this.#header;
    if (header.length < 12) return undefined;
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    if (fourCc(header, 0) !== 'RIFF' || fourCc(header, 8) !== 'WAVE') throw new Error('Not a WAV stream.');
    let offset = 12;
    while (offset + 8 <= header.length) {
      const id = fourCc(header, offset);
      const size = view.getUint32(offset + 4, true);
      if (id === 'data') {
        if (this.#format === undefined) throw new Error('WAV data before its fmt chunk.');
        return offset + 8;
      }
      if (id === 'fmt ') {
        if (offset + 8 + 16 > header.length) return undefined;
        const audioFormat = view.getUint16(offset + 8, true);
        const bitsPerSample = view.getUint16(offset + 22, true);
        if (audioFormat !== 1 || bitsPerSample !== 16) throw new Error('Only 16-bit PCM WAV is supported.');
        this.#format = {
          channels: view.getUint16(offset + 10, true),
          sampleRate: view.getUint32(offset + 12, true),
        };
      }
      offset += 8 + size + (size % 2);
    }
    return undefined;
  }

  #samples(bytes: Uint8Array): Int16Array {
    let input = bytes;
    if (this.#carry !== undefined) {
      input = concat(Uint8Array.of(this.#carry), bytes);
      this.#carry = undefined;
    }
    const count = Math.floor(input.length / 2);
    if (input.length % 2 === 1) this.#carry = input[input.length - 1];
    const view = new DataView(input.buffer, input.byteOffset, count * 2);
    const samples = new Int16Array(count);
    for (let index = 0; index < count; index += 1) samples[index] = view.getInt16(index * 2, true);
    return samples;
  }
}

function fourCc(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first);
  joined.set(second, first.length);
  return joined;
}
