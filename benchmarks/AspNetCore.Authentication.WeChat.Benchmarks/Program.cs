using AspNetCore.Authentication.WeChat.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/AspNetCore.Authentication.WeChat.Benchmarks -- --filter '*'
// For a profiler (dotnet-trace collect -- dotnet …Benchmarks.dll --profile WeChatUserInfo 20000): one complete sign-in
// benchmark run in a loop, without BenchmarkDotNet's child processes.
if (args is ["--allocations", var sampled, ..])
{
    var count = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
    using var sampler = new AllocationSampler();
    await CompleteSignInBenchmarks.ProfileAsync(sampled, count, sampler).ConfigureAwait(false);
    sampler.Report(count);
    return;
}

if (args is ["--profile", var name, ..])
{
    await CompleteSignInBenchmarks.ProfileAsync(name, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000).ConfigureAwait(false);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(SignInBenchmarks).Assembly).Run(args);
