/*
 * One hit-rate replay (bench/lib/hit-rate-simulation.ts) in a process of its own, so that a
 * scenario can run two at once on two cores: the count does not depend on speed.
 */
import { simulateHitRate, type HitRateSimulation } from '../lib/hit-rate-simulation.js'
import { probeInput, probeOutput } from '../lib/run-probe.js'

probeOutput(await simulateHitRate(probeInput() as HitRateSimulation))
