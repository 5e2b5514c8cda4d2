using AspNetCore.Authentication.WeChat.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/AspNetCore.Authentication.WeChat.Benchmarks -- --filter '*'
// For a profiler: one benchmark run in a loop, without BenchmarkDotNet's child processes, e.g.
//   dotnet-trace collect --profile gc-verbose -- dotnet …Benchmarks.dll --profile WeChatUserInfo 30000
// (a CompleteSignInBenchmarks method, or MiniProgramSignIn).
if (args is ["--profile", var name, ..])
{
    var count = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
    await (name == nameof(MiniProgramSignInBenchmarks.MiniProgramSignIn) ? MiniProgramSignInBenchmarks.ProfileAsync(count) : CompleteSignInBenchmarks.ProfileAsync(name, count)).ConfigureAwait(false);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(SignInBenchmarks).Assembly).Run(args);
