// Memory while uploading: files of the maximum attachment size, one after another, with the
// service's RSS sampled throughout (after one warm-up upload). Flat memory means the growth stays
// well under one file's size, however many files pass through.
import { randomBytes } from 'node:crypto';
import { rssMb, sampleRss } from './rss.js';

export type UploadMemory = { files: number; fileMb: number; rssBeforeMb: number; rssPeakMb: number; growthMb: number; msPerFile: number };

export async function uploadMemory(opts: { url: string; pid: number; fileBytes: number; files: number }): Promise<UploadMemory> {
  const headers = { 'X-Tenant-ID': 'bench-attachments', 'Content-Type': 'application/json' };
  const created = await fetch(`${opts.url}/api/v1/tickets`, { method: 'POST', headers, body: JSON.stringify({ title: 'upload', created_by: 'bench' }) });
  const { id } = (await created.json()) as { id: string };
  const bytes = randomBytes(opts.fileBytes);
  const upload = async (i: number) => {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), `big-${i}.bin`);
    const res = await fetch(`${opts.url}/api/v1/tickets/${id}/attachments`, { method: 'POST', headers: { 'X-Tenant-ID': 'bench-attachments' }, body: form });
    if (res.status !== 201) throw new Error(`upload ${i}: ${res.status} ${await res.text()}`);
  };
  // The first upload loads the multipart and object-store code and opens the bucket: not measured.
  await upload(-1);
  const rssBeforeMb = rssMb(opts.pid);
  const sampler = sampleRss(opts.pid, 20);
  const started = performance.now();
  for (let i = 0; i < opts.files; i++) await upload(i);
  const msPerFile = (performance.now() - started) / opts.files;
  sampler.stop();
  const rssPeakMb = sampler.peakMb();
  return { files: opts.files, fileMb: opts.fileBytes / 2 ** 20, rssBeforeMb, rssPeakMb, growthMb: rssPeakMb - rssBeforeMb, msPerFile };
}
