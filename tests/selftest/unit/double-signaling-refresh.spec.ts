import { expect, test } from '@playwright/test';
import { REFRESH_PARTICIPANTS, Store } from '../../../src/reference/double/store.ts';

/**
 * Issue 14: the double's `refresh-participant-list` (Messages::addMessageForAllParticipants) is a
 * room-wide mark, not a message queued per session, so that a join costs O(1) with 10,000
 * sessions in the room. What a signaling poll takes must be what the per-session queue gave:
 * one refresh per session for any number of refreshes since its last take, none for a refresh
 * from before the session existed, the other messages in their order, and nothing after the
 * session ended or the room was deleted.
 */

function setup() {
  const store = new Store();
  const alice = store.addUser({ id: 'alice', password: 'a', displayName: 'Alice', isAdmin: false });
  const bob = store.addUser({ id: 'bob', password: 'b', displayName: 'Bob', isAdmin: false });
  const room = store.createRoom(2, 'refresh', alice);
  store.addAttendee(room, bob, 3);
  const a = store.newTalkSession(room, alice.id, store.newPhpSession());
  return { store, room, bob, a };
}

const kinds = (msgs: { data: string }[]) => msgs.map((m) => (m.data === REFRESH_PARTICIPANTS ? 'refresh' : m.data));

test('refreshes since the last take are taken once, with the queued messages in order', () => {
  const { store, room, a } = setup();
  store.queueSignaling(a.sessionId, '{"n":1}');
  store.refreshParticipants(room.token);
  store.refreshParticipants(room.token);
  store.queueSignaling(a.sessionId, '{"n":2}');
  expect(store.counts().signalingMessages, 'two queued messages and one pending refresh').toBe(3);
  expect(kinds(store.takeSignaling(a.sessionId))).toEqual(['{"n":1}', '{"n":2}', 'refresh']);
  expect(store.takeSignaling(a.sessionId), 'taken: nothing is left').toEqual([]);
  expect(store.counts().signalingMessages).toBe(0);
  store.refreshParticipants(room.token);
  expect(kinds(store.takeSignaling(a.sessionId)), 'a later refresh is pending again').toEqual(['refresh']);
});

test('a session that joins after a refresh does not get it, but gets the refresh of its own join', () => {
  const { store, room, bob, a } = setup();
  store.refreshParticipants(room.token);
  const b = store.newTalkSession(room, bob.id, store.newPhpSession());
  expect(store.takeSignaling(b.sessionId)).toEqual([]);
  store.refreshParticipants(room.token);
  expect(kinds(store.takeSignaling(b.sessionId))).toEqual(['refresh']);
  expect(kinds(store.takeSignaling(a.sessionId)), 'the first session takes one refresh for both').toEqual(['refresh']);
});

test('nothing is pending for an ended session or in a deleted room', () => {
  const { store, room, bob, a } = setup();
  const b = store.newTalkSession(room, bob.id, store.newPhpSession());
  store.refreshParticipants(room.token);
  store.endTalkSession(b.sessionId);
  expect(store.takeSignaling(b.sessionId)).toEqual([]);
  store.deleteRoom(room.token);
  expect(store.takeSignaling(a.sessionId)).toEqual([]);
  expect(store.counts().signalingMessages).toBe(0);
});
