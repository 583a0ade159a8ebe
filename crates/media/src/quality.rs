//! How a call sounds, estimated from what the receiving side measures: the simplified E-model
//! of ITU-T G.107 turns loss, delay and jitter into an R factor and a MOS (1 to 4.5), the
//! figure every call-quality screen shows.

/// The G.711 loss robustness with packet loss concealment (ITU-T G.113 Appendix I).
const BPL_G711: f64 = 25.1;

/// The estimated MOS for `loss_percent` of packets lost or concealed, `delay_ms` one-way
/// delay and `jitter_ms` of jitter, for G.711 with concealment.
pub fn mos(loss_percent: f64, delay_ms: f64, jitter_ms: f64) -> f64 {
    // The jitter buffer turns jitter into delay (about twice over), codec framing adds 10 ms.
    let d = delay_ms + 2.0 * jitter_ms + 10.0;
    let delay_impairment = 0.024 * d + if d > 177.3 { 0.11 * (d - 177.3) } else { 0.0 };
    let loss = loss_percent.clamp(0.0, 100.0);
    // G.711: no equipment impairment of its own (Ie = 0).
    let loss_impairment = 95.0 * loss / (loss + BPL_G711);
    let r = (93.2 - delay_impairment - loss_impairment).clamp(0.0, 100.0);
    let mos = 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6;
    mos.clamp(1.0, 4.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_call_scores_high_and_loss_or_delay_bring_it_down() {
        let clean = mos(0.0, 40.0, 2.0);
        assert!((4.3..=4.5).contains(&clean), "{clean}");
        let lossy = mos(5.0, 40.0, 2.0);
        assert!((3.2..4.0).contains(&lossy), "5 % loss: {lossy}");
        let awful = mos(30.0, 40.0, 2.0);
        assert!(awful < 2.5, "30 % loss: {awful}");
        let far = mos(0.0, 400.0, 0.0);
        assert!(far < 3.6, "400 ms: {far}");
        assert!(mos(0.0, 40.0, 30.0) < clean, "jitter costs too");
        assert_eq!(mos(200.0, 10_000.0, 0.0), 1.0, "bounded");
    }
}
