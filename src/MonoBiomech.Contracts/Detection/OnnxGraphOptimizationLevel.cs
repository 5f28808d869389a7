namespace MonoBiomech.Detection;

/// <summary>
/// How much ONNX Runtime rewrites an ONNX detector's graph before running it (its GraphOptimizationLevel). Changes speed
/// only; results are the same up to float rounding.
/// </summary>
public enum OnnxGraphOptimizationLevel
{
    /// <summary>No graph rewriting.</summary>
    Disabled,
    /// <summary>Semantics-preserving node removals and constant folding.</summary>
    Basic,
    /// <summary>Basic plus node fusions.</summary>
    Extended,
    /// <summary>Every optimisation, including layout changes. The default.</summary>
    All,
}
