global using Xunit;
global using static SobolevRL.Tests.RepoFiles;
