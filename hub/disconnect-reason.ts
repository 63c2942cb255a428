/**
 * socket.io's disconnect reasons in words an operator understands, for the hub log
 * ("Org A disconnected: no answer to the hub's heartbeat ...").
 */

const REASONS: Record<string, string> = {
  'transport close': 'the connection closed (the participant quit or its network dropped)',
  'transport error': 'the connection failed (network error)',
  'ping timeout': "no answer to the hub's heartbeat within 30 s (network down, or the participant froze)",
  'client namespace disconnect': 'the participant left',
  'server namespace disconnect': 'the hub disconnected it',
  'server shutting down': 'the hub is shutting down',
  'parse error': 'it sent a message the hub could not parse',
  'forced close': 'the hub closed the connection',
  'forced server close': 'the hub closed the connection',
};

/** Says why a socket disconnected, from socket.io's reason code; unknown codes are quoted. */
export function disconnectReasonInWords(reason: string): string {
  return REASONS[reason] ?? `socket.io reason "${reason.slice(0, 80)}"`;
}
