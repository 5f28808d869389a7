namespace MonoBiomech.Engine.Fitting;

/// <summary>
/// Huber loss on the norm of a residual block (upstream applies it to the Euclidean norm, not per coordinate) and its
/// IRLS weight: minimising Σ ω·½‖e‖² with ω frozen at the current iterate has the same gradient as Σ ρ(‖e‖).
/// </summary>
internal static class Huber
{
    public static double Loss(double norm, double delta) => norm <= delta ? 0.5 * norm * norm : delta * (norm - 0.5 * delta);

    public static double Weight(double norm, double delta) => norm <= delta ? 1.0 : delta / norm;
}
