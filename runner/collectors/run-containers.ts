import type Dockerode from 'dockerode';
import { RUN_LABEL, SERVICE_LABEL } from '../../containers/docker/labels.ts';

export interface RunContainer {
  id: string;
  name: string;
  /** The feedscale.service label: "pg-0", "app-1", "nginx", ... */
  service: string;
  /** Addresses on the run's networks. */
  ips: string[];
}

/** The running containers of one run, found by the feedscale.run label every service carries. */
export async function listRunContainers(docker: Dockerode, runId: string): Promise<RunContainer[]> {
  const containers = await docker.listContainers({ filters: { label: [`${RUN_LABEL}=${runId}`] } });
  return containers
    .map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      service: c.Labels[SERVICE_LABEL] ?? '',
      ips: Object.values(c.NetworkSettings?.Networks ?? {})
        .map((n) => n.IPAddress)
        .filter((ip): ip is string => Boolean(ip)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
