import { describe, expect, it } from 'vitest';
import { MAX_ROOM_MESSAGE_CHARS, parseClientMessage } from '../../../src/shared/room-protocol';

describe('call room protocol', () => {
  it('accepts join, signal, leave and ping', () => {
    expect(parseClientMessage('{"type":"join","displayName":" Ada "}')).toEqual({
      ok: true,
      message: { type: 'join', displayName: 'Ada' },
    });
    expect(parseClientMessage('{"type":"signal","to":"peer_b","data":{"sdp":{"type":"offer","sdp":"v=0"}}}').ok).toBe(true);
    expect(parseClientMessage('{"type":"signal","to":"peer_b","data":{"candidate":{"candidate":"candidate:1","sdpMid":"0"}}}').ok).toBe(
      true,
    );
    expect(parseClientMessage('{"type":"signal","to":"peer_b","data":{"candidate":null}}').ok).toBe(true);
    expect(parseClientMessage('{"type":"leave"}').ok).toBe(true);
    expect(parseClientMessage('{"type":"ping"}').ok).toBe(true);
  });

  it('rejects text that is not JSON, unknown types and extra fields', () => {
    expect(parseClientMessage('hello')).toMatchObject({ ok: false, code: 'bad_message' });
    expect(parseClientMessage('{"type":"shout"}')).toMatchObject({ ok: false, code: 'bad_message' });
    expect(parseClientMessage('{"type":"leave","now":true}')).toMatchObject({ ok: false, code: 'bad_message' });
    expect(parseClientMessage('{"type":"signal","to":"peer_b","data":{"sdp":{"type":"offer"},"candidate":null}}')).toMatchObject({
      ok: false,
    });
  });

  it('rejects oversized frames before parsing them', () => {
    expect(parseClientMessage(`"${'x'.repeat(MAX_ROOM_MESSAGE_CHARS)}"`)).toMatchObject({ ok: false, code: 'message_too_large' });
  });
});
