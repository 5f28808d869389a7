namespace MonoBiomech.Tests;

/// <summary>A fact that needs ../shared; skipped with a visible reason where it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (SharedData.Directory is null)
            Skip = "../shared (the team's shared data) is absent beside the repository; set MONOBIOMECH_SHARED to run this test.";
    }
}

/// <summary>A theory that needs ../shared; skipped with a visible reason where it is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Directory is null)
            Skip = "../shared (the team's shared data) is absent beside the repository; set MONOBIOMECH_SHARED to run this test.";
    }
}
