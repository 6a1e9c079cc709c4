package dev.ehrsync.testbed;

import org.ehrbase.configuration.EhrBaseServerConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.autoconfigure.security.servlet.ManagementWebSecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.r2dbc.R2dbcAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * Entry point for the test bed's EHRbase. All behaviour comes from EHRbase's released
 * modules; EHRbase configures its own security, so Spring's defaults are switched off.
 */
@SpringBootApplication(exclude = {
    SecurityAutoConfiguration.class,
    ManagementWebSecurityAutoConfiguration.class,
    R2dbcAutoConfiguration.class
})
@Import(EhrBaseServerConfiguration.class)
public class EhrbaseLauncher {
  public static void main(String[] args) {
    SpringApplication.run(EhrbaseLauncher.class, args);
  }
}
