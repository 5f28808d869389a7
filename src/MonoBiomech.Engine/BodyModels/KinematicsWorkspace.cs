namespace MonoBiomech.Engine.BodyModels;

/// <summary>
/// The per-evaluation state of one <see cref="BodyModel"/> (MuJoCo's mjData, reduced to kinematics): world poses written by
/// <see cref="Kinematics.Forward"/> and read by the Jacobians. Not thread-safe; use one workspace per thread.
/// All arrays are in the world frame, metres.
/// </summary>
public sealed class KinematicsWorkspace
{
    public KinematicsWorkspace(BodyModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        BodyPositionsMetres = new double[model.BodyCount * 3];
        BodyRotations = new double[model.BodyCount * 9];
        BodyScaleFactors = new double[model.BodyCount];
        SitePositionsMetres = new double[model.SiteCount * 3];
        CoordinateAxesWorld = new double[model.CoordinateCount * 3];
        CoordinateAnchorsMetres = new double[model.CoordinateCount * 3];
    }

    /// <summary>The model this workspace was sized for.</summary>
    public BodyModel Model { get; }

    /// <summary>[body*3 + xyz]: body frame origins (MuJoCo xpos).</summary>
    public double[] BodyPositionsMetres { get; }

    /// <summary>[body*9 + row*3 + column]: body frame orientations (MuJoCo xmat); R·v maps body to world. Also d(site)/d(site offset).</summary>
    public double[] BodyRotations { get; }

    /// <summary>[body]: s_b = 1 + Σ_g M_bg β_g of the last evaluation (world: 1).</summary>
    public double[] BodyScaleFactors { get; }

    /// <summary>[site*3 + xyz]: site positions (MuJoCo site_xpos), in model site order.</summary>
    public double[] SitePositionsMetres { get; }

    /// <summary>[coordinate*3 + xyz]: each coordinate's unit axis in the world, as it is when that coordinate acts (MuJoCo xaxis).</summary>
    public double[] CoordinateAxesWorld { get; }

    /// <summary>[coordinate*3 + xyz]: the point each hinge rotates about (MuJoCo xanchor).</summary>
    public double[] CoordinateAnchorsMetres { get; }
}
