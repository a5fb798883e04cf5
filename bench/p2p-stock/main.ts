// The comparison viewer of the offload benchmark: hls.js + p2p-media-loader exactly as their README sets them
// up (default core settings), against a stock bittorrent-tracker server. The only settings given are the ones
// any deployment must give: the tracker URL and STUN-free ICE for loopback. Counts bytes by source like ours.
import Hls from 'hls.js';
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';

const params = new URLSearchParams(location.search);
const counters = { httpBytes: 0, p2pBytes: 0, uploadedBytes: 0, stalls: 0, ended: false };
(window as unknown as { __stockPlayer: typeof counters }).__stockPlayer = counters;

const video = document.getElementById('player') as HTMLVideoElement;
const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls);
const hls = new HlsWithP2P({
  p2p: {
    core: { announceTrackers: [params.get('tracker') ?? ''], rtcConfig: { iceServers: [] }, swarmId: params.get('swarm') ?? undefined },
  },
});
hls.p2pEngine.addEventListener('onChunkDownloaded', (bytes, source) => {
  if (source === 'p2p') counters.p2pBytes += bytes;
  else counters.httpBytes += bytes;
});
hls.p2pEngine.addEventListener('onChunkUploaded', (bytes) => {
  counters.uploadedBytes += bytes;
});
let started = false;
video.addEventListener('playing', () => {
  started = true;
});
video.addEventListener('waiting', () => {
  if (started && !video.seeking) counters.stalls += 1;
});
video.addEventListener('ended', () => {
  counters.ended = true;
});
hls.attachMedia(video);
hls.loadSource(params.get('src') ?? '');
