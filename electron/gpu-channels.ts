/** IPC channel names of the hidden GPU engine window (zod-free: its sandboxed preload bundles this). */
export const GPU_REQUEST_CHANNEL = 'gpu:request';
export const GPU_REPLY_CHANNEL = 'gpu:reply';
