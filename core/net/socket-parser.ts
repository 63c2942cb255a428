/**
 * socket.io's packet parser with the number of binary attachments per packet sized for FedUnify's
 * messages. The stock decoder refuses packets with more than 10 attachments ("parse error", the
 * connection drops), but secure-aggregation messages carry a few small binary fields per
 * neighbour (keys, commitments, signatures, sealed shares) and round:start carries every round
 * member's identity key, so a round of 4 or more participants exceeded it.
 */
import { Decoder, Encoder, PacketType, protocol } from 'socket.io-parser';
import { ALL_PAIRS_UP_TO } from '../privacy/secagg-graph.ts';

/** The largest job the hub accepts (job spec minParticipants) and the widest SecAgg+ neighbourhood. */
const MAX_PARTICIPANTS = 10_000;
const MAX_DEGREE = Math.max(ALL_PAIRS_UP_TO - 1, 2 * Math.ceil(1.5 * Math.log2(MAX_PARTICIPANTS)));

/**
 * What a participant may send in one packet: at most four binary fields per neighbour plus a few
 * of its own. Small, so an authenticated peer cannot make the hub hold thousands of frames for one
 * packet; the frame-size limit bounds each of them.
 */
export const HUB_MAX_ATTACHMENTS = 4 * (MAX_DEGREE + 2);

/** What the hub may send a participant in one packet: a key per round member, four fields per neighbour. */
export const PARTICIPANT_MAX_ATTACHMENTS = 4 * MAX_PARTICIPANTS + 16;

/**
 * A parser for socket.io's `parser` option (server or client) allowing `maxAttachments` per packet
 * and, when `maxPacketBytes` is given, at most that many bytes of attachments in one packet (each
 * frame is already bounded by the transport, but many frames of one packet add up): a larger packet
 * is refused as malformed, which closes the connection.
 */
export function socketParser(maxAttachments: number, maxPacketBytes?: () => number) {
  class SizedDecoder extends Decoder {
    private attachmentBytes = 0;
    constructor() {
      super({ maxAttachments });
      this.on('decoded', () => {
        this.attachmentBytes = 0;
      });
    }
    override add(obj: unknown): void {
      if (typeof obj === 'string') this.attachmentBytes = 0;
      else if (maxPacketBytes) {
        const size = (obj as { byteLength?: number } | null)?.byteLength ?? 0;
        this.attachmentBytes += size;
        const limit = maxPacketBytes();
        if (this.attachmentBytes > limit) {
          throw new Error(`a packet's binary attachments exceed ${limit} bytes`);
        }
      }
      super.add(obj);
    }
  }
  return { protocol, PacketType, Encoder, Decoder: SizedDecoder };
}
