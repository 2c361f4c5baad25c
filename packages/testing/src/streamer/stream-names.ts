/**
 * Stream names and run ids unique to one test. They avoid `.` and `/` because file-backed
 * streamers (world-local) use them in file names, and mimic the runtime's own shapes.
 */
const unique = () => globalThis.crypto.randomUUID().replaceAll('-', '').toUpperCase();

export const newStreamName = (): string => `strm_${unique()}`;
export const newRunId = (): string => `wrun_${unique()}`;
