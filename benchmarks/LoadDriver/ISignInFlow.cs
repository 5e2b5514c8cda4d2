namespace LoadDriver;

/// <summary>
/// One complete sign-in of one kind (web, mini-program), from nothing to a checked identity. The virtual users, the
/// measured window and the report are the same for every kind: only this differs.
/// </summary>
internal interface ISignInFlow
{
    /// <summary>Signs in once, as a new client, and says whether it ended as the user it began as.</summary>
    Task<SignInOutcome> RunAsync(CancellationToken cancellationToken);
}
