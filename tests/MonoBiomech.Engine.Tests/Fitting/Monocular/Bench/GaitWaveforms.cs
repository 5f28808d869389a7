namespace MonoBiomech.Engine.Tests.Fitting.Monocular;

/// <summary>
/// Sagittal joint angles over one stride of walking and running, from published mean curves, in degrees with clinical
/// signs (hip and knee flexion positive, ankle dorsiflexion positive; 0 % = initial contact of the side's foot).
/// Key points are read off the published figures by eye (about ±3°, ±2 % of the cycle); 8 harmonics each.
/// </summary>
internal static class GaitWaveforms
{
    private const int Harmonics = 8;

    /// <summary>
    /// Level walking at about 1.3 m/s (natural cadence), after the normal-gait mean curves of Winter DA (2009)
    /// <i>Biomechanics and Motor Control of Human Movement</i>, 4th ed., Wiley, ch. 1 and appendix A, and Perry J, Burnfield JM
    /// (2010) <i>Gait Analysis: Normal and Pathological Function</i>, 2nd ed., SLACK, ch. 4–6. Toe-off at 60 %.
    /// </summary>
    public static class Walking
    {
        public const double ToeOffPercent = 60;

        /// <summary>Forward pelvic tilt under these thigh-to-pelvis hip angles (our assumption, typical of clinical gait data).</summary>
        public const double PelvisAnteriorTiltDegrees = 10;

        public static readonly FourierWaveform HipFlexion = new(Harmonics,
            (0, 28), (12, 24), (30, 8), (45, -6), (53, -10), (62, 0), (75, 21), (87, 31), (95, 30));

        /// <summary>Loading-response flexion of ~18° at 15 %, ~62° in swing at 72 %.</summary>
        public static readonly FourierWaveform KneeFlexion = new(Harmonics,
            (0, 4), (15, 18), (28, 10), (40, 5), (50, 10), (62, 40), (72, 62), (80, 52), (90, 22), (97, 4));

        /// <summary>Plantarflexion after heel strike, dorsiflexion to ~10° in terminal stance, ~17° plantarflexion after toe-off.</summary>
        public static readonly FourierWaveform AnkleDorsiflexion = new(Harmonics,
            (0, 0), (7, -6), (20, 3), (45, 10), (55, 1), (63, -17), (72, -6), (85, 1), (95, 0));

        /// <summary>Toes extend as the heel rises in terminal stance and pre-swing.</summary>
        public static readonly FourierWaveform MtpExtension = new(Harmonics,
            (0, 0), (35, 0), (50, 15), (58, 30), (66, 8), (75, 0));
    }

    /// <summary>
    /// Running at 3.5–4 m/s, after Novacheck TF (1998) The biomechanics of running. <i>Gait &amp; Posture</i> 7(1):77–95,
    /// figs. of sagittal hip, knee and ankle angles (running at 3.2 m/s and sprinting at 3.9 m/s; our curves lie between).
    /// Toe-off at 37 % (Novacheck: 39 % running, 36 % sprinting), so each step has a flight phase of 13 % of the stride.
    /// </summary>
    public static class Running
    {
        public const double ToeOffPercent = 37;

        /// <summary>Maximum extension (−10°) just after toe-off, maximum flexion (+45°) in terminal swing.</summary>
        public static readonly FourierWaveform HipFlexion = new(Harmonics,
            (0, 37), (10, 29), (20, 15), (30, 0), (38, -9), (43, -10), (50, -4), (60, 13), (70, 32), (80, 43), (87, 45), (94, 41));

        /// <summary>
        /// ~18° at foot strike, sharp loading-response flexion to ~42° by 13 % (mid-stance), extension to ~16° at toe-off,
        /// fast swing flexion to ~105° at 68 %, extension to ~10° just before the next strike.
        /// </summary>
        public static readonly FourierWaveform KneeFlexion = new(Harmonics,
            (0, 18), (6, 32), (13, 42), (20, 38), (29, 24), (37, 16), (45, 42), (55, 82), (63, 102), (68, 105), (76, 92), (86, 45), (94, 11), (98, 12));

        /// <summary>~5° at strike, ~20° dorsiflexion at mid-stance, ~25° plantarflexion just after toe-off, ~12° in mid-swing.</summary>
        public static readonly FourierWaveform AnkleDorsiflexion = new(Harmonics,
            (0, 5), (4, 3), (15, 20), (22, 17), (30, 2), (37, -19), (41, -25), (48, -17), (58, 0), (70, 12), (82, 10), (92, 5));

        /// <summary>Toes extend in the second half of stance (heel rise) up to toe-off.</summary>
        public static readonly FourierWaveform MtpExtension = new(Harmonics,
            (0, 0), (18, 0), (28, 14), (36, 30), (44, 10), (52, 0));

        /// <summary>
        /// Forward (anterior) pelvic tilt under these hip angles, which are thigh to pelvis as in clinical gait data: it puts
        /// the thigh ~21° ahead of vertical at foot strike and ~25° behind at toe-off. Our assumption, not Novacheck's figure.
        /// </summary>
        public const double PelvisAnteriorTiltDegrees = 16;

        /// <summary>
        /// The stance foot's pitch to the floor (negative = toes down), our design: heel strike at +9°, foot flat from 5 %
        /// to heel-off at 17 %, rolling onto the toes to the −60° the waveforms above give at toe-off (with
        /// <see cref="PelvisAnteriorTiltDegrees"/>). The swing key points only continue it smoothly; swing uses the ankle curve.
        /// </summary>
        public static readonly FourierWaveform StanceFootPitch = new(Harmonics,
            (0, 9), (5, 0), (17, 0), (25, -12), (31, -30), (37, -60), (45, -50), (60, -20), (80, 10), (95, 12));
    }
}
