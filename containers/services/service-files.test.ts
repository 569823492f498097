import { describe, expect, it } from 'vitest';
import { cdnConf } from './cdn-service.ts';
import { nginxConf } from './nginx-service.ts';
import { pgbouncerIni } from './pgbouncer-service.ts';

describe('service configuration files', () => {
  it('balances over every app instance with passive health checks and a retry on the next upstream', () => {
    const conf = nginxConf({ upstreams: ['app-0:8080', 'app-1:8080', 'app-2:8080'] });
    expect(conf.match(/server app-\d:8080 max_fails=3 fail_timeout=5s;/g)).toHaveLength(3);
    expect(conf).toContain('proxy_next_upstream error timeout http_502 http_503 http_504;');
    expect(conf).not.toMatch(/non_idempotent/);
  });

  it('pools pgbouncer connections per transaction with the configured size', () => {
    const ini = pgbouncerIni({ postgresHost: 'pg-1', poolSize: 7 });
    expect(ini).toContain('pool_mode = transaction');
    expect(ini).toContain('default_pool_size = 7');
    expect(ini).toMatch(/feedscale = host=pg-1 port=5432/);
  });

  it('caches object-store reads at the CDN and answers only seeded keys with the placeholder', () => {
    const conf = cdnConf();
    expect(conf.match(/proxy_cache cdn;/g)).toHaveLength(2);
    const seedBlock = conf.slice(conf.indexOf('location ~ ^/[^/]+/seed/'));
    expect(seedBlock).toContain('error_page 403 404 = /cdn/placeholder.jpg;');
    expect(conf.split('error_page')).toHaveLength(2);
  });
});
