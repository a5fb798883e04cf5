// A viewer's report that a peer served a segment failing its integrity check (POST /api/v1/tracker/{videoId}/reports).
// The video's tracker decides whether it counts (domain/swarm/peer-reports.ts: only from a socket it paired with
// that peer, one account per report key, a few reports per account); this use case names the swarm and hands
// the tracker the report key's hash, never the key itself.
import type { Database } from '../../adapters/db/client';
import { findVideo } from '../../adapters/db/videos-repo';
import { sha256Hex } from '../../domain/hash';
import type { PeerReportOutcome } from '../../domain/swarm/peer-reports';

export interface SwarmTrackerReports {
  reportPeer(report: { peerId: string; reportKeyHash: string; reporter: string }): Promise<PeerReportOutcome>;
}

export type ReportPeerResult = PeerReportOutcome | { kind: 'video_not_found' };

export async function reportPeer(
  deps: { db: Database; trackerOf: (videoId: string) => SwarmTrackerReports },
  report: { videoId: string; peerId: string; reportKey: string; reporterUserId: string },
): Promise<ReportPeerResult> {
  const video = await findVideo(deps.db, report.videoId);
  if (video?.status !== 'ready') return { kind: 'video_not_found' };
  return deps.trackerOf(video.id).reportPeer({
    peerId: report.peerId,
    reportKeyHash: await sha256Hex(report.reportKey),
    reporter: `user:${report.reporterUserId}`,
  });
}
