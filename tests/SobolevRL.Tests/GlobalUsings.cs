global using System.Text.Json;
global using SobolevRL.Distillation;
global using SobolevRL.Policies;
global using SobolevRL.Replay;
global using SobolevRL.Teachers;
global using SobolevRL.Tests.Cli;
global using TorchSharp;
global using Xunit;
global using static SobolevRL.Tests.RepoFiles;
