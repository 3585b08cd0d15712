/**
 * "Share this run": hands a recording (protocol/recorder.ts) to the browser
 * as a download, named after its lab and time.
 */
import type { RecordingFile } from '../../protocol/recorder.ts';

/** The file name a shared run is saved under: `socklab-02-tcp-echo-20261205-1331.json`. */
export function recordingFileName(recording: RecordingFile): string {
  const d = new Date(recording.startedAt * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `socklab-${recording.lab}-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}.json`;
}

/** Starts the download of a recording. */
export function downloadRecording(recording: RecordingFile): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(recording)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = recordingFileName(recording);
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The click has handed the URL to the download by the next task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
