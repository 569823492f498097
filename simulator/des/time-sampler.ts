import type { Rng } from '../../lib/random/prng.ts';
import type { ServiceTime } from '../model/service-time.ts';

const KIND_DETERMINISTIC = 0;
const KIND_EXPONENTIAL = 1;
const KIND_LOGNORMAL = 2;
const KIND_QUANTILES = 3;
const KIND_SAMPLES = 4;

/**
 * Every time distribution of a model, compiled once into flat arrays and drawn by index, so
 * the DES hot loop does one switch on a number rather than a property lookup on a union.
 * Draws by inversion (exponential, quantile table), Box–Muller (lognormal: exp(μ + σZ) with
 * σ² = ln(1 + cv²), μ = ln(mean) − σ²/2), or a uniform pick (samples).
 */
export class TimeSampler {
  private readonly kinds: Int32Array;
  private readonly first: Float64Array;
  private readonly second: Float64Array;
  private readonly values: (Float64Array | null)[];
  private readonly probabilities: (Float64Array | null)[];

  constructor(times: readonly ServiceTime[]) {
    const n = times.length;
    this.kinds = new Int32Array(n);
    this.first = new Float64Array(n);
    this.second = new Float64Array(n);
    this.values = [];
    this.probabilities = [];
    times.forEach((time, i) => {
      let values: Float64Array | null = null;
      let probabilities: Float64Array | null = null;
      switch (time.kind) {
        case 'deterministic':
          this.kinds[i] = KIND_DETERMINISTIC;
          this.first[i] = time.meanS;
          break;
        case 'exponential':
          this.kinds[i] = KIND_EXPONENTIAL;
          this.first[i] = time.meanS;
          break;
        case 'lognormal': {
          if (time.cv === 0) {
            this.kinds[i] = KIND_DETERMINISTIC;
            this.first[i] = time.meanS;
            break;
          }
          const sigma2 = Math.log(1 + time.cv * time.cv);
          this.kinds[i] = KIND_LOGNORMAL;
          this.first[i] = Math.log(time.meanS) - sigma2 / 2;
          this.second[i] = Math.sqrt(sigma2);
          break;
        }
        case 'empirical-quantiles':
          this.kinds[i] = KIND_QUANTILES;
          values = Float64Array.from(time.quantiles, (q) => q.valueS);
          probabilities = Float64Array.from(time.quantiles, (q) => q.p);
          break;
        case 'empirical-samples':
          this.kinds[i] = KIND_SAMPLES;
          values = Float64Array.from(time.samplesS);
          break;
      }
      this.values.push(values);
      this.probabilities.push(probabilities);
    });
  }

  /** One draw of distribution `index`, seconds. */
  sample(index: number, rng: Rng): number {
    switch (this.kinds[index]) {
      case KIND_DETERMINISTIC:
        return this.first[index]!;
      case KIND_EXPONENTIAL:
        return -Math.log(1 - rng.nextFloat()) * this.first[index]!;
      case KIND_LOGNORMAL: {
        const u1 = 1 - rng.nextFloat();
        const u2 = rng.nextFloat();
        const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        return Math.exp(this.first[index]! + this.second[index]! * z);
      }
      case KIND_QUANTILES:
        return this.sampleQuantileTable(index, rng.nextFloat());
      default: {
        const values = this.values[index]!;
        return values[Math.floor(rng.nextFloat() * values.length)]!;
      }
    }
  }

  private sampleQuantileTable(index: number, u: number): number {
    const values = this.values[index]!;
    const ps = this.probabilities[index]!;
    let i = 1;
    while (i < ps.length - 1 && ps[i]! <= u) i++;
    const p0 = ps[i - 1]!;
    const p1 = ps[i]!;
    return values[i - 1]! + ((u - p0) / (p1 - p0)) * (values[i]! - values[i - 1]!);
  }
}
