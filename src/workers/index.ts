export default { fetch() { return new Response('ok'); } };
export class SwarmTracker {}
export class CallRoom {}
export class PeerMetricsAggregator {}
