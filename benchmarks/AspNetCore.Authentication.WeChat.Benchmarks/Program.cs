using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/AspNetCore.Authentication.WeChat.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(AspNetCore.Authentication.WeChat.Benchmarks.SignInBenchmarks).Assembly).Run(args);
