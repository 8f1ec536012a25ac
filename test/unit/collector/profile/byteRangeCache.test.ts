import { expect } from "chai";
import { ByteRangeCache } from "../../../../operator/collector/profile/byteRangeCache.js";

const LINE = "\t    7f1e2215d058 std::vector<int>::push_back(int const&)+0x1f (/usr/lib/libx.so)";

/** text at byte offset `at` of a fresh buffer, a "\n" after it, some bytes around. */
function placed(text: string, at: number): { bytes: Buffer; start: number; end: number } {
  const body = Buffer.from(text, "utf8");
  const bytes = Buffer.alloc(at + body.length + 9, "#");
  body.copy(bytes, at);
  bytes[at + body.length] = 10;
  return { bytes, start: at, end: at + body.length };
}

const lines = () =>
  new ByteRangeCache<string>({ maxEntries: 100, maxBytes: 1 << 20, maxProbes: 8, byLength: false });

describe("ByteRangeCache", () => {
  it("finds a range at every byte offset, and no range one byte or one length apart", () => {
    for (let keptAt = 0; keptAt < 4; keptAt++) {
      const cache = lines();
      const kept = placed(LINE, keptAt);
      expect(cache.add(kept.bytes, kept.start, kept.end, "the line")).to.equal(true);
      for (let at = 0; at < 8; at++) {
        const same = placed(LINE, at);
        const e = cache.find(same.bytes, same.start, same.end);
        expect(e, `at ${at}`).to.be.at.least(0);
        expect(cache.value(e)).to.equal("the line");
        expect(cache.findLine(same.bytes, same.start, same.bytes.length)).to.equal(e);
        expect(cache.lengthOf(e)).to.equal(same.end - same.start);
        // Each byte changed in turn, the last ones (compared one by one) included.
        for (let i = 0; i < LINE.length; i++) {
          const other = placed(`${LINE.slice(0, i)}~${LINE.slice(i + 1)}`, at);
          expect(cache.find(other.bytes, other.start, other.end), `byte ${i} at ${at}`).to.equal(
            -1,
          );
          expect(cache.findLine(other.bytes, other.start, other.bytes.length)).to.equal(-1);
        }
        const longer = placed(`${LINE}x`, at);
        expect(cache.find(longer.bytes, longer.start, longer.end)).to.equal(-1);
        expect(cache.findLine(longer.bytes, longer.start, longer.bytes.length)).to.equal(-1);
        const shorter = placed(LINE.slice(0, -1), at);
        expect(cache.find(shorter.bytes, shorter.start, shorter.end)).to.equal(-1);
        // Its "\n" must come before the limit.
        expect(cache.findLine(same.bytes, same.start, same.end)).to.equal(-1);
      }
    }
  });

  it("keeps nothing shorter than its key, nor past its bounds; look-ups stop at maxProbes", () => {
    const cache = lines();
    const short = placed("\t7f05", 0);
    expect(cache.add(short.bytes, short.start, short.end, "short")).to.equal(false);
    expect(cache.find(short.bytes, short.start, short.end)).to.equal(-1);
    // Ranges sharing their first bytes share a hash: at most maxProbes of them are kept.
    let added = 0;
    for (let i = 0; i < 20; i++) {
      const r = placed(`${LINE} ${i}`, i % 4);
      if (cache.add(r.bytes, r.start, r.end, `line ${i}`)) added++;
    }
    expect(added).to.equal(8);
    for (let i = 0; i < 20; i++) {
      const r = placed(`${LINE} ${i}`, 1);
      const e = cache.find(r.bytes, r.start, r.end);
      expect(e >= 0 ? cache.value(e) : undefined).to.equal(i < 8 ? `line ${i}` : undefined);
    }
    const small = new ByteRangeCache<number>({
      maxEntries: 2,
      maxBytes: 1 << 20,
      maxProbes: 8,
      byLength: true,
    });
    for (let i = 0; i < 3; i++) {
      const r = placed(`${LINE}${"!".repeat(i)}`, 0);
      expect(small.add(r.bytes, r.start, r.end, i)).to.equal(i < 2);
    }
  });
});
