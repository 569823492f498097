import { checkHttpOk } from '../readiness.ts';
import { NOTIFICATION_SINK_PORT, notificationSinkService } from '../services/notification-sink-service.ts';
import { LOOPBACK, type StackRun, ready, start } from './stack-run.ts';

/** The push-notification sink (standing in for APNs), ready when /health answers. */
export async function startNotificationTier(run: StackRun): Promise<{ notificationSinkUrl: string }> {
  const sink = await start(run, notificationSinkService(run));
  const notificationSinkUrl = `http://${LOOPBACK}:${sink.getMappedPort(NOTIFICATION_SINK_PORT)}`;
  await ready(run, 'notification-sink', () => checkHttpOk(`${notificationSinkUrl}/health`));
  return { notificationSinkUrl };
}
