namespace LoadDriver;

/// <summary>How one complete sign-in ended.</summary>
/// <param name="Kind">Succeeded, failed, or signed in as someone else.</param>
/// <param name="Detail">What went wrong, for the report.</param>
internal readonly record struct SignInOutcome(SignInOutcomeKind Kind, string? Detail)
{
    public static SignInOutcome Succeeded { get; } = new(SignInOutcomeKind.Succeeded, null);

    public static SignInOutcome Failed(string detail) => new(SignInOutcomeKind.Failed, detail);

    public static SignInOutcome Crossed(string detail) => new(SignInOutcomeKind.CrossedIdentity, detail);
}

/// <summary>The kinds of <see cref="SignInOutcome"/>.</summary>
internal enum SignInOutcomeKind
{
    Succeeded,
    Failed,

    /// <summary>The session showed another user's openid: the worst failure a sign-in can have.</summary>
    CrossedIdentity,
}
