// Time-ordered ids (UUIDv7, RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter that
// keeps ids from one process in order within a millisecond, then 62 random bits.
import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Returns a generator of UUIDv7 strings, each greater than the one before it. */
export function createUuidV7(now: () => number = Date.now): () => string {
  const bytes = new Uint8Array(16);
  const random = new Uint8Array(4096);
  let randomAt = random.length;
  let lastMs = -1;
  let counter = 0;
  const take = (n: number) => {
    if (randomAt + n > random.length) {
      randomFillSync(random);
      randomAt = 0;
    }
    randomAt += n;
    return randomAt - n;
  };
  return () => {
    let ms = now();
    if (ms > lastMs) {
      const at = take(2);
      counter = ((random[at]! << 8) | random[at + 1]!) & 0x7ff; // start low so the counter has room
      lastMs = ms;
    } else {
      ms = lastMs;
      if (++counter > 0xfff) {
        counter = 0;
        lastMs = ms = lastMs + 1; // the counter ran out: borrow the next millisecond
      }
    }
    bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
    bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
    bytes[2] = (ms >>> 24) & 0xff;
    bytes[3] = (ms >>> 16) & 0xff;
    bytes[4] = (ms >>> 8) & 0xff;
    bytes[5] = ms & 0xff;
    bytes[6] = 0x70 | (counter >>> 8);
    bytes[7] = counter & 0xff;
    const at = take(8);
    bytes.set(random.subarray(at, at + 8), 8);
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    let s = '';
    for (let i = 0; i < 16; i++) s += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + HEX[bytes[i]!];
    return s;
  };
}
