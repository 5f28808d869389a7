using MonoBiomech.Tests;

namespace MonoBiomech.Engine.Tests.BodyModels;

/// <summary>A theory that needs ../shared, gcc and libmujoco-dev; skipped with a visible reason otherwise.</summary>
public sealed class MujocoOracleTheoryAttribute : TheoryAttribute
{
    public MujocoOracleTheoryAttribute()
    {
        if (SharedData.Directory is null)
            Skip = "../shared (the team's shared data) is absent beside the repository; set MONOBIOMECH_SHARED to run this test.";
        else if (MujocoOracle.Unavailable is { } reason)
            Skip = reason;
    }
}

/// <summary>A theory that needs gcc and libmujoco-dev (no shared data); skipped with a visible reason otherwise.</summary>
public sealed class MujocoTheoryAttribute : TheoryAttribute
{
    public MujocoTheoryAttribute()
    {
        if (MujocoOracle.Unavailable is { } reason) Skip = reason;
    }
}
