/** The response header in which the bench's double stamps when it answered (epoch ms, µs resolution). */
export const STAMP_HEADER = 'X-Bench-Responded-At';
